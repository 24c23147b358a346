/**
 * The text of a `<textarea>` as its page's `maxlength` counted it. Browsers count a line break as
 * one character but post it as CRLF, so a reason or note typed up to the limit arrives longer
 * than the limit; the text is read with LF line breaks (as the browser showed it), then trimmed
 * and held to `max`.
 */
import { z } from "zod";

export function textareaText(max: number, tooLong?: string) {
  return z.string().transform((s) => s.replace(/\r\n?/g, "\n")).pipe(
    z.string().trim().max(max, tooLong),
  );
}
