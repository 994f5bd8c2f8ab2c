/// <reference types="vitest/config" />
import { defineConfig } from "vite";

// One fixed file name: Streamlit resolves `js="index.js"` inside the package's asset_dir.
export default defineConfig({
  base: "./",
  build: {
    outDir: "streamlit_persist/frontend",
    emptyOutDir: true,
    target: "es2020",
    lib: {
      entry: "component/index.ts",
      formats: ["es"],
      fileName: () => "index.js",
    },
  },
  test: {
    environment: "happy-dom",
    include: ["component/**/*.test.ts"],
  },
});
