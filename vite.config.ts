/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from "vite";

// Three files in one asset_dir: the bridge (index.js) and the share button (share.js), both
// Components v2 modules, and the bridge's early copy (early.js), a classic script that
// Python inlines into a page load's first run (see component/early.ts).
// Each is built on its own (`--mode index|share|early`) into ONE self-contained file:
// built together, a module both import becomes a third chunk that the browser fetches only
// after index.js, which delays the bridge (and a page's first write) by a round trip.
// Streamlit resolves `js="index.js"` / `js="share.js"` inside the package's asset_dir.
const ENTRIES = { index: "component/index.ts", share: "component/share.ts", early: "component/early.ts" } as const;

/**
 * The early copy is inlined into the page with st.html, whose DOMPurify drops a script that
 * holds "<" before a letter, "/" or "!". Fail the build rather than ship one it would drop.
 */
function inlinable(): Plugin {
  return {
    name: "streamlit-persist-inlinable",
    generateBundle(_options, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type !== "chunk") continue;
        const found = /<[\w/!]/.exec(file.code);
        if (found !== null) {
          const around = file.code.slice(Math.max(0, found.index - 40), found.index + 40);
          this.error(`${file.fileName} cannot be inlined by st.html: "<" before a letter, "/" or "!" near: ${around}`);
        }
      }
    },
  };
}

export default defineConfig(({ mode }) => {
  const name = mode === "share" || mode === "early" ? mode : "index";
  return {
    base: "./",
    plugins: name === "early" ? [inlinable()] : [],
    build: {
      outDir: "streamlit_persist/frontend",
      emptyOutDir: name === "index",
      target: "es2020",
      lib: {
        entry: { [name]: ENTRIES[name] },
        formats: [name === "early" ? "iife" : "es"],
        name: "streamlitPersistEarly",
        fileName: (_format, entryName) => `${entryName}.js`,
      },
    },
    test: {
      environment: "happy-dom",
      include: ["component/**/*.test.ts"],
    },
  };
});
