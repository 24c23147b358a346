// Starts Swagger UI on this origin's OpenAPI document. A file, not an inline script, so the
// page runs under script-src 'self'.
"use strict";
SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  // The default validator badge would fetch the document's verdict from validator.swagger.io.
  validatorUrl: null,
});
