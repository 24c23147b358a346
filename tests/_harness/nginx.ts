/**
 * nginx (Debian's `/usr/sbin/nginx`, or `NGINX_BIN`) in front of app instances, from the repo's
 * production example `deploy/nginx/vaidya.conf`: only its upstream `server` lines and its `listen`
 * line are replaced, so what the tests prove is what the example configures. Runs in the
 * foreground as a child process with its own prefix (temp dir: config, pid, logs, temp files), on
 * a free 127.0.0.1 port; `stop()` ends it and removes the prefix.
 */
import { freePort, REPO_ROOT } from "./ports.ts";

export const NGINX_SITE = `${REPO_ROOT}deploy/nginx/vaidya.conf`;

export interface TestNginx {
  url: string;
  port: number;
  /** The rendered site config, as nginx runs it. */
  site: string;
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The example site with its upstream servers and listen address replaced. Throws if the example
 * no longer has the lines this relies on, rather than running something else.
 */
export function renderSite(template: string, upstreams: string[], listen: string): string {
  const upstream = /(upstream vaidya_app \{\n)((?:[^\n]*\n)*?)(\s*keepalive )/;
  const match = template.match(upstream);
  if (!match) throw new Error(`${NGINX_SITE}: no "upstream vaidya_app" block with keepalive`);
  const serverLine = match[2].split("\n").find((l) => /^\s*server \S+;?/.test(l));
  if (!serverLine) throw new Error(`${NGINX_SITE}: the upstream has no server line`);
  const params = serverLine.trim().replace(/^server \S+/, "").replace(/;$/, "");
  const servers = upstreams.map((u) => `    server ${u}${params};`).join("\n");
  const comments = match[2].split("\n").filter((l) => l.trim().startsWith("#")).join("\n");
  const out = template.replace(upstream, `$1${comments}\n${servers}\n$3`);
  if (!/^\s*listen 80;$/m.test(out)) throw new Error(`${NGINX_SITE}: no "listen 80;" line`);
  return out.replace(/^(\s*)listen 80;$/m, `$1listen ${listen};`);
}

export async function startNginx(upstreams: string[]): Promise<TestNginx> {
  const bin = Deno.env.get("NGINX_BIN") ?? "/usr/sbin/nginx";
  const prefix = await Deno.makeTempDir({ prefix: "vaidya-nginx-" });
  await Deno.chmod(prefix, 0o755);
  const port = freePort();
  const site = renderSite(await Deno.readTextFile(NGINX_SITE), upstreams, `127.0.0.1:${port}`);
  for (const dir of ["body", "proxy", "fastcgi", "uwsgi", "scgi"]) {
    await Deno.mkdir(`${prefix}/${dir}`, { mode: 0o777 });
    await Deno.chmod(`${prefix}/${dir}`, 0o777);
  }
  await Deno.writeTextFile(`${prefix}/vaidya.conf`, site);
  await Deno.writeTextFile(
    `${prefix}/nginx.conf`,
    `daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path ${prefix}/body;
    proxy_temp_path ${prefix}/proxy;
    fastcgi_temp_path ${prefix}/fastcgi;
    uwsgi_temp_path ${prefix}/uwsgi;
    scgi_temp_path ${prefix}/scgi;
    include ${prefix}/vaidya.conf;
}
`,
  );
  const child = new Deno.Command(bin, {
    args: ["-p", `${prefix}/`, "-c", `${prefix}/nginx.conf`],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const pump = (async () => {
    for await (const chunk of child.stderr) stderr += new TextDecoder().decode(chunk);
  })();
  const errorLog = () => Deno.readTextFile(`${prefix}/error.log`).catch(() => "");
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const stop = async () => {
    if (!exited) {
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
    }
    await status;
    await pump;
    await Deno.remove(prefix, { recursive: true }).catch(() => {});
  };

  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (exited) {
      const log = await errorLog();
      await stop();
      throw new Error(`nginx exited at start-up: ${stderr}\n${log}`);
    }
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return { url: `http://127.0.0.1:${port}`, port, site, errorLog, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  await stop();
  throw new Error(`nginx did not listen on 127.0.0.1:${port} within 10 s: ${stderr}`);
}
