/** A piece of documented code: a README block or a JSDoc `@example`. */
export interface Snippet {
  /** `<file>#<name>` (JSDoc, `~2` for a second example of one name) or `<file>#<n>` (README blocks). */
  readonly id: string
  /** Relative to the repository root. */
  readonly file: string
  readonly line: number
  readonly code: string
}
/** Every snippet of the READMEs and of the JSDoc of the packages' sources. */
export declare const snippets: () => Array<Snippet>
/** The name of the Effect a snippet leaves for the harness to run (`program` or `main`), if any. */
export declare const entryPoint: (code: string) => "program" | "main" | undefined
/** The module the harness runs for a snippet. */
export declare const runnable: (snippet: string) => string
