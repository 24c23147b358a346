/**
 * Localised problem `title`/`detail`, from the message catalogue (`problem.<code>.*`). English
 * keeps the text the error was raised with (it can name ids and limits); any other language gets
 * the catalogue's fixed sentence for the code, so no id, phone or medical text is ever
 * machine-translated. `code` itself never changes.
 */
import { type Lang, langFromAcceptLanguage, type MessageId, messages, t } from "./messages.ts";

export { langFromAcceptLanguage as negotiateLanguage };

/** Title and detail for `code` in `lang`; English keeps the original texts. */
export function localizeProblem(
  lang: Lang,
  code: string,
  english: { title: string; detail: string },
): { title: string; detail: string } {
  if (lang === "en") return english;
  const known = `problem.${code}.title` in messages ? code : "generic";
  return {
    title: t(lang, `problem.${known}.title` as MessageId),
    detail: t(lang, `problem.${known}.detail` as MessageId),
  };
}
