// GraphiQL served entirely from this server, so that it works on a closed
// network: the page (renderOfflineGraphiQL, Yoga's `renderGraphiQL`) links
// the script, styles, Monaco workers and icon that @graphql-yoga/render-graphiql
// bundles, and useOfflineGraphiQL serves them under /graphiql/ and puts a
// Content-Security-Policy on the page that allows this origin only.
import { createHash } from 'node:crypto';
import type { GraphiQLOptions, GraphiQLRenderer, Plugin } from 'graphql-yoga';

/** Where the assets are served: outside /graphql, so that Yoga's GraphiQL and GraphQL routes never see them. */
export const GRAPHIQL_ASSETS_PATH = '/graphiql/';

/**
 * The page's policy. No inline script: the page's options travel in a JSON
 * data block that a same-origin boot script reads. Styles need
 * 'unsafe-inline' because Monaco (the editors) creates <style> elements at
 * run time without a nonce, which no hash or nonce can allow; inline styles
 * cannot run code, and img/font/connect are limited to this origin (and
 * data: URLs for the fonts and icons the stylesheet embeds), so they cannot
 * carry anything away either.
 */
export const GRAPHIQL_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

// Sets Monaco's worker URLs and renders GraphiQL with the options of the page's JSON block.
const BOOT_SCRIPT = `(() => {
  const config = JSON.parse(document.getElementById('graphiql-config').textContent);
  self.MonacoEnvironment = {
    globalAPI: false,
    getWorkerUrl: (_moduleId, label) => config.workers[label] ?? config.workers.editorWorkerService,
  };
  YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), config.options);
})();
`;

type Asset = { url: string; body: Uint8Array<ArrayBuffer>; contentType: string };
type Assets = {
  css: Asset;
  js: Asset;
  boot: Asset;
  favicon: Asset;
  workers: { editorWorkerService: Asset; json: Asset; graphql: Asset };
  byUrl: Map<string, Asset>;
};

const JAVASCRIPT = 'text/javascript; charset=utf-8';

/** Names carry a digest of their content, so that browsers may keep them for good. */
function asset(name: string, extension: string, body: Uint8Array<ArrayBuffer>, contentType: string): Asset {
  const digest = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return { url: `${GRAPHIQL_ASSETS_PATH}${name}.${digest}.${extension}`, body, contentType };
}

async function buildAssets(): Promise<Assets> {
  // About 9 MB of strings: loaded when GraphiQL is first asked for, not at start.
  const bundle = await import('@graphql-yoga/render-graphiql/graphiql');
  const text = (value: string) => Buffer.from(value, 'utf8');
  const [, favicon = ''] = /^data:image\/x-icon;base64,(.*)$/s.exec(bundle.favicon) ?? [];
  const assets = {
    css: asset('graphiql', 'css', text(bundle.css), 'text/css; charset=utf-8'),
    js: asset('graphiql', 'js', text(bundle.js), JAVASCRIPT),
    boot: asset('boot', 'js', text(BOOT_SCRIPT), JAVASCRIPT),
    favicon: asset('favicon', 'ico', Buffer.from(favicon, 'base64'), 'image/x-icon'),
    workers: {
      editorWorkerService: asset('editor.worker', 'js', text(bundle.editorWorkerService), JAVASCRIPT),
      json: asset('json.worker', 'js', text(bundle.jsonWorker), JAVASCRIPT),
      graphql: asset('graphql.worker', 'js', text(bundle.graphqlWorker), JAVASCRIPT),
    },
  };
  const all = [assets.css, assets.js, assets.boot, assets.favicon, ...Object.values(assets.workers)];
  return { ...assets, byUrl: new Map(all.map((one) => [one.url, one])) };
}

let loading: Promise<Assets> | undefined;
function loadAssets(): Promise<Assets> {
  loading ??= buildAssets();
  return loading;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that may sit inside a <script> element: no `</script>` or `<!--` can be formed. */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** Yoga's `renderGraphiQL`: the page, with only same-origin links and no inline script. */
export const renderOfflineGraphiQL: GraphiQLRenderer = async (options: GraphiQLOptions) => {
  const assets = await loadAssets();
  const title = escapeHtml(options.title ?? 'GraphiQL');
  const config = {
    options,
    workers: Object.fromEntries(Object.entries(assets.workers).map(([label, worker]) => [label, worker.url])),
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="${assets.favicon.url}">
<link rel="stylesheet" href="${assets.css.url}">
</head>
<body id="body" class="no-focus-outline">
<noscript>GraphiQL needs JavaScript.</noscript>
<div id="root">Loading ${title}…</div>
<script type="application/json" id="graphiql-config">${scriptSafeJson(config)}</script>
<script src="${assets.js.url}"></script>
<script src="${assets.boot.url}"></script>
</body>
</html>
`;
};

/**
 * Serves the GraphiQL assets under /graphiql/ (immutable, named by digest),
 * and gives every HTML page of this server, which is only ever GraphiQL, its
 * Content-Security-Policy. JSON answers are left as they are.
 */
export function useOfflineGraphiQL(): Plugin {
  return {
    onRequest: async ({ request, url, fetchAPI, endResponse }) => {
      if (!url.pathname.startsWith(GRAPHIQL_ASSETS_PATH) || (request.method !== 'GET' && request.method !== 'HEAD')) return;
      const found = (await loadAssets()).byUrl.get(url.pathname);
      if (!found) {
        endResponse(new fetchAPI.Response('not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } }));
        return;
      }
      endResponse(
        new fetchAPI.Response(request.method === 'HEAD' ? null : found.body, {
          status: 200,
          headers: {
            'content-type': found.contentType,
            'content-length': String(found.body.byteLength),
            'cache-control': 'public, max-age=31536000, immutable',
            'x-content-type-options': 'nosniff',
          },
        }),
      );
    },
    onResponse: ({ response }) => {
      if (!response.headers.get('content-type')?.startsWith('text/html')) return;
      response.headers.set('content-security-policy', GRAPHIQL_CONTENT_SECURITY_POLICY);
      response.headers.set('x-content-type-options', 'nosniff');
      response.headers.set('referrer-policy', 'no-referrer');
    },
  };
}
