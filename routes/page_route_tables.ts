/**
 * The route tables of the sub-apps that src/app.ts mounts lazily (src/http/lazy_routes.ts): every
 * entry the sub-app adds, in order, middleware (`ALL`) included. Declared here so the app knows its
 * routes without importing the pages. tests/http/lazy_routes_test.ts compares each table with the
 * real sub-app and prints the table to paste here when a route is added, removed or moved.
 */
import type { RouteTable } from "../src/http/lazy_routes.ts";

export type { RouteTable };

/** routes/doctor_ui.ts: the doctor web UI under /doctor. */
export const DOCTOR_UI_ROUTES: RouteTable = [
  ["ALL", "/doctor"],
  ["ALL", "/doctor"],
  ["ALL", "/doctor"],
  ["ALL", "/doctor"],
  ["ALL", "/doctor/*"],
  ["ALL", "/doctor/*"],
  ["ALL", "/doctor/*"],
  ["ALL", "/doctor/*"],
  ["GET", "/doctor/static/:name"],
  ["GET", "/doctor/lang/:lang"],
  ["GET", "/doctor/login"],
  ["POST", "/doctor/login"],
  ["POST", "/doctor/login/verify"],
  ["ALL", "/doctor"],
  ["ALL", "/doctor"],
  ["ALL", "/doctor/*"],
  ["ALL", "/doctor/*"],
  ["POST", "/doctor/logout"],
  ["GET", "/doctor"],
  ["GET", "/doctor/week"],
  ["GET", "/doctor/appointments/:id"],
  ["POST", "/doctor/appointments/:id"],
  ["POST", "/doctor/appointments/:id/cancel"],
  ["GET", "/doctor/availability"],
  ["POST", "/doctor/availability"],
  ["POST", "/doctor/availability/preview"],
  ["GET", "/doctor/profile"],
  ["POST", "/doctor/profile"],
  ["ALL", "/doctor/*"],
];

/** routes/book.ts: the patient booking pages under /book. */
export const BOOK_ROUTES: RouteTable = [
  ["ALL", "/book"],
  ["ALL", "/book"],
  ["ALL", "/book"],
  ["ALL", "/book"],
  ["ALL", "/book/*"],
  ["ALL", "/book/*"],
  ["ALL", "/book/*"],
  ["ALL", "/book/*"],
  ["GET", "/book/static/:name"],
  ["ALL", "/book"],
  ["ALL", "/book/*"],
  ["GET", "/book/lang"],
  ["GET", "/book/lang/:lang"],
  ["GET", "/book"],
  ["POST", "/book/suggest"],
  ["GET", "/book/doctors"],
  ["GET", "/book/doctors/:id"],
  ["GET", "/book/embed"],
  ["GET", "/book/login"],
  ["POST", "/book/login"],
  ["POST", "/book/login/verify"],
  ["POST", "/book/logout"],
  ["POST", "/book/hold"],
  ["POST", "/book/holds/:id/confirm"],
  ["GET", "/book/appointments"],
  ["GET", "/book/appointments/:id"],
  ["POST", "/book/appointments/:id/cancel"],
  ["GET", "/book/appointments/:id/reschedule"],
  ["POST", "/book/appointments/:id/reschedule"],
  ["GET", "/book/appointments/:id/video"],
  ["ALL", "/book/*"],
];

/** routes/room_pages.tsx, patientRoomPageRoutes: the room page's files and the patient's page. */
export const PATIENT_ROOM_PAGE_ROUTES: RouteTable = [
  ["GET", "/room-static/:name"],
  ["GET", "/room/:appointmentId"],
  ["GET", "/room/:appointmentId"],
  ["GET", "/room/:appointmentId"],
];

/** routes/room_pages.tsx, doctorRoomPageRoutes: the doctor's room page and room-token request. */
export const DOCTOR_ROOM_PAGE_ROUTES: RouteTable = [
  ["ALL", "/doctor/appointments/:id/video"],
  ["ALL", "/doctor/appointments/:id/video"],
  ["ALL", "/doctor/appointments/:id/video"],
  ["ALL", "/doctor/appointments/:id/video"],
  ["ALL", "/doctor/appointments/:id/video"],
  ["ALL", "/doctor/appointments/:id/video"],
  ["ALL", "/doctor/appointments/:id/room-token"],
  ["ALL", "/doctor/appointments/:id/room-token"],
  ["ALL", "/doctor/appointments/:id/room-token"],
  ["ALL", "/doctor/appointments/:id/room-token"],
  ["ALL", "/doctor/appointments/:id/room-token"],
  ["ALL", "/doctor/appointments/:id/room-token"],
  ["GET", "/doctor/appointments/:id/video"],
  ["POST", "/doctor/appointments/:id/room-token"],
];
