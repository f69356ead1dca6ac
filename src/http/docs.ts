import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { route, type RouteSpec } from './route';

/**
 * The API document and Swagger UI, served from the swagger-ui-dist package (no CDN: branches have poor
 * connectivity, and the tests run offline). The files are read once, at the first request.
 */
const ASSETS = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
} as const;
type Asset = keyof typeof ASSETS;

// The page's own script is a file, not inline: the app's Content-Security-Policy allows 'self' only.
// validatorUrl: Swagger UI otherwise shows a badge, an image from validator.swagger.io given this
// document's URL, on every page not served from localhost (refused by the CSP anyway).
const INITIALIZER = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '/api/schema',
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
  });
};
`;

const PAGE = `<!DOCTYPE html>
<html lang="fr">
  <head>
    <meta charset="UTF-8">
    <title>TontiFlex API</title>
    <link rel="stylesheet" type="text/css" href="/docs/swagger-ui.css" />
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="/docs/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
    <script src="/docs/init.js" charset="UTF-8"></script>
  </body>
</html>
`;

const cache = new Map<Asset, Buffer>();
function asset(name: Asset): Buffer {
  let body = cache.get(name);
  if (!body) {
    // Resolved through the package, wherever npm put it.
    const dir = join(require.resolve('swagger-ui-dist/package.json'), '..');
    body = readFileSync(join(dir, name));
    cache.set(name, body);
  }
  return body;
}

const assetNames = Object.keys(ASSETS) as [Asset, ...Asset[]];

export function docsRoutes(document: () => object): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/schema',
      summary: 'This OpenAPI 3.1 document',
      access: 'public',
      response: {
        status: 200,
        description: 'The document',
        schema: z.record(z.string(), z.unknown()),
      },
      handler: () => document() as Record<string, unknown>,
    }),
    route({
      method: 'get',
      path: '/docs',
      summary: 'Swagger UI over this document',
      access: 'public',
      response: { status: 200, description: 'The page', schema: z.string(), type: 'text/html' },
      handler: () => PAGE,
    }),
    route({
      method: 'get',
      path: '/docs/init.js',
      summary: 'Swagger UI’s start script',
      access: 'public',
      response: {
        status: 200,
        description: 'The script',
        schema: z.string(),
        type: 'application/javascript',
      },
      handler: () => INITIALIZER,
    }),
    route({
      method: 'get',
      path: '/docs/:file',
      summary: 'Swagger UI’s files (from swagger-ui-dist)',
      access: 'public',
      params: z.object({ file: z.enum(assetNames) }),
      response: {
        status: 200,
        description: 'The file',
        schema: z.string(),
        type: 'application/octet-stream',
      },
      handler: ({ params, ctx }) => {
        ctx.set('Cache-Control', 'public, max-age=86400');
        ctx.type = ASSETS[params.file];
        return asset(params.file) as unknown as string;
      },
    }),
  ];
}
