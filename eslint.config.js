import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: ["dist/", "node_modules/", "dev/python/.venv/", ".devicepack/", ".gpu/", ".gpustage/", "runs/"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": ["error"],
    },
  },
  {
    files: [
      "src/cli/**",
      "src/train/log.ts",
      "bench/**",
      "scripts/**",
      "test/*Child.ts",
      "examples/**/serve.ts",
    ],
    rules: { "no-console": "off" },
  },
);
