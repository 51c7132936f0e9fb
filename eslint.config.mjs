import * as effectEslint from "@effect/eslint-plugin"
import tseslint from "typescript-eslint"

// The Effect codebase's own settings: typescript-eslint for correctness, dprint (as an ESLint rule)
// for formatting, so `npm run lint -- --fix` both fixes and formats.
export default tseslint.config(
  { ignores: ["**/dist/**", "**/build/**", "**/node_modules/**", "**/*.d.ts"] },
  ...tseslint.configs.recommended,
  ...effectEslint.configs.dprint,
  {
    rules: {
      "@effect/dprint": ["error", {
        config: {
          indentWidth: 2,
          lineWidth: 120,
          semiColons: "asi",
          quoteStyle: "alwaysDouble",
          trailingCommas: "never",
          operatorPosition: "maintain",
          "arrowFunction.useParentheses": "force"
        }
      }],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-namespace": "off",
      // `pipe() { return pipeArguments(this, arguments) }` is how Effect implements Pipeable.
      "prefer-rest-params": "off",
      "@typescript-eslint/consistent-type-imports": "error"
    }
  }
)
