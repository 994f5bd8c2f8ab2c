/// <reference types="vitest/config" />
import { defineConfig } from "vite";

// Fixed file names: Streamlit resolves `js="index.js"` / `js="share.js"` inside the package's asset_dir.
export default defineConfig({
  base: "./",
  build: {
    outDir: "streamlit_persist/frontend",
    emptyOutDir: true,
    target: "es2020",
    lib: {
      // Two components, one asset_dir: the bridge (index.js) and the share button (share.js).
      // share.ts imports nothing from the bridge, so no shared chunk is emitted.
      entry: { index: "component/index.ts", share: "component/share.ts" },
      formats: ["es"],
      fileName: (_format, entryName) => `${entryName}.js`,
    },
  },
  test: {
    environment: "happy-dom",
    include: ["component/**/*.test.ts"],
  },
});
