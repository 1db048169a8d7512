/**
 * The web UI's build: `vite build --config web/vite.config.ts` writes hashed
 * assets to `dist/web`, which the controller serves at `/`. JSX goes through
 * Vite's own transform (automatic runtime), so no React plugin is needed;
 * `npm run dev:web` proxies the API to a controller on 127.0.0.1:7070.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root: here,
  base: "/",
  publicDir: false,
  logLevel: "warn",
  oxc: { jsx: { runtime: "automatic" } },
  build: {
    outDir: `${here}../dist/web`,
    emptyOutDir: true,
    chunkSizeWarningLimit: 1600,
    reportCompressedSize: false,
    sourcemap: false,
    rollupOptions: {
      // Ant Design marks modules "use client" for React Server Components; meaningless in a SPA bundle.
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
  },
  server: { proxy: { "/api": "http://127.0.0.1:7070" } },
});
