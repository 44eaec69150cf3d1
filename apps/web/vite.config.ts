import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
/** Where `npx vite --config apps/web/vite.config.ts` sends API calls: a running gateway. */
const gateway = process.env.GATEWAY_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)),
    emptyOutDir: true,
    // Every file name carries its content hash, so the gateway may cache them for a year.
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    // The CSP allows no inline script or data: script; keep every asset a file.
    assetsInlineLimit: 0,
    // Quiet builds: the timing report is for profiling Vite plugins, not for every `npm run build`.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  server: {
    proxy: { '/api': gateway, '/status': gateway, '/badges': gateway, '/docs': gateway },
  },
});
