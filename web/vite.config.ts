import { defineConfig } from "vite";

// The API serves dist/ itself (serving/web.py): index.html at /, hashed files under /assets/.
export default defineConfig({
  base: "/",
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, target: "es2022" },
  server: { proxy: { "/api": { target: "http://127.0.0.1:8000", ws: true } } },
});
