// Lints generated APPSYNC_JS resolvers (appsync/<machine>.js, written by the CLI from
// workflows/patterns/appsync_js.py) with AWS's own rules for the APPSYNC_JS runtime: the independent
// judge of "this runs in AppSync". The "recommended" set includes typed rules (no-recursion,
// no-disallowed-methods), so the files get a TypeScript default project; its ES2022 library lets the
// checker see every String/Array method the runtime lacks (the built-in default is ES5 and misses some).
// Check a resolver without writing it:  npx eslint --stdin --stdin-filename appsync/<machine>.js < code.js
import appsync from "@aws-appsync/eslint-plugin";

const recommended = appsync.configs.recommended;

export default [
  {
    ...recommended,
    files: ["appsync/*.js"],
    languageOptions: {
      ...recommended.languageOptions,
      ecmaVersion: 2022,
      sourceType: "module",
      parserOptions: {
        projectService: {
          allowDefaultProject: ["appsync/*.js"],
          defaultProject: "tests/patterns/js/tsconfig.appsync.json",
          // One file per machine; the default limit (8) is below the catalog's size.
          maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 500,
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
];
