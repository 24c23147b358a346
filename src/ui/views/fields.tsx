/**
 * Form controls with their label, hint and error beside them: each input names its error and
 * hint in `aria-describedby` and is `aria-invalid` when the error is there, so screen readers
 * announce both. A failed save renders these again with what the doctor typed.
 */
import type { Child } from "hono/jsx";

export type FieldErrors = Record<string, string>;

interface FieldProps {
  name: string;
  label: string;
  value?: string;
  error?: string;
  hint?: string;
  type?: string;
  inputmode?: "numeric" | "tel" | "text";
  autocomplete?: string;
  required?: boolean;
  /** Extra attributes for the input, e.g. min/max/step. */
  attrs?: Record<string, string | number>;
  /** Hide the label visually (it stays for screen readers), e.g. inside a labelled row. */
  srOnlyLabel?: boolean;
}

export function idOf(name: string): string {
  return `f-${name.replace(/[^A-Za-z0-9_-]/g, "-")}`;
}

function describedBy(id: string, hint?: string, error?: string): string | undefined {
  const ids = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean);
  return ids.length > 0 ? ids.join(" ") : undefined;
}

export function FieldError(props: { id: string; error?: string }) {
  if (!props.error) return null;
  return <span id={`${props.id}-error`} class="field-error">{props.error}</span>;
}

export function Field(props: FieldProps) {
  const id = idOf(props.name);
  return (
    <div class={props.error ? "field has-error" : "field"}>
      <label for={id} class={props.srOnlyLabel ? "sr-only" : undefined}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? "text"}
        value={props.value ?? ""}
        inputmode={props.inputmode}
        autocomplete={props.autocomplete}
        required={props.required}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={describedBy(id, props.hint, props.error)}
        {...(props.attrs ?? {})}
      />
      {props.hint && <span id={`${id}-hint`} class="hint">{props.hint}</span>}
      <FieldError id={id} error={props.error} />
    </div>
  );
}

export function TextArea(
  props: {
    name: string;
    label: string;
    value?: string;
    error?: string;
    rows?: number;
    maxlength?: number;
  },
) {
  const id = idOf(props.name);
  return (
    <div class={props.error ? "field has-error" : "field"}>
      <label for={id}>{props.label}</label>
      <textarea
        id={id}
        name={props.name}
        rows={props.rows ?? 6}
        maxlength={props.maxlength}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
      >
        {props.value ?? ""}
      </textarea>
      <FieldError id={id} error={props.error} />
    </div>
  );
}

export function Csrf(props: { token: string }) {
  return <input type="hidden" name="_csrf" value={props.token} />;
}

export function Notice(props: { kind: "ok" | "error"; children?: Child }) {
  return (
    <p class={`notice ${props.kind}`} role={props.kind === "error" ? "alert" : "status"}>
      {props.children}
    </p>
  );
}
