/** The files under `dir` whose names match `pattern`, depth first, as paths under `dir`. */
export async function* walk(dir: string, pattern: RegExp): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* walk(path, pattern);
    else if (pattern.test(entry.name)) yield path;
  }
}
