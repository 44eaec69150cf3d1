import { ProblemError } from '@uptime/bus';
import { type FieldError, Problems } from '@uptime/contracts';
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';

/** Aliases a document may expand: a few are handy, thousands are a "billion laughs" attack. */
const MAX_ALIASES = 100;

/**
 * A configuration document as the client sent it: its value, and for YAML the text's nodes, so
 * an error about `monitors[1].intervalSeconds` can say on which line that field is.
 */
export class DocumentSource {
  private constructor(
    readonly value: unknown,
    private readonly yaml?: { doc: Document; lines: LineCounter },
  ) {}

  /** A JSON body arrives parsed (no lines to tell); a YAML body as text. */
  static of(body: unknown): DocumentSource {
    return typeof body === 'string' ? DocumentSource.fromYaml(body) : new DocumentSource(body);
  }

  /** Parses YAML text; a syntax error is a 400 naming its line and column. */
  static fromYaml(text: string): DocumentSource {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
    const [error] = doc.errors;
    if (error) {
      const at = error.linePos?.[0];
      throw new ProblemError({
        ...Problems.badRequest(`The document is not valid YAML: ${error.message.split('\n')[0]}`),
        ...(at && { line: at.line, column: at.col }),
      });
    }
    try {
      return new DocumentSource(doc.toJS({ maxAliasCount: MAX_ALIASES }), { doc, lines });
    } catch (err) {
      // toJS refuses an alias expanded too often (ReferenceError) and little else.
      const reason = err instanceof Error ? err.message : String(err);
      throw new ProblemError(Problems.badRequest(`The document could not be read: ${reason}`));
    }
  }

  /** The errors with the line of the field each names, when the document was YAML. */
  withLines(errors: readonly FieldError[]): FieldError[] {
    return errors.map((e) => {
      const line = this.lineOf(e.field);
      return line === undefined ? e : { ...e, line };
    });
  }

  /**
   * The line of the field at `field` (`monitors[1].alertPolicy.windowSize`): of its key when it is
   * a map's field, of the item when a list's; a field that is missing (required) gets the line of
   * the closest enclosing one that is there.
   */
  lineOf(field: string): number | undefined {
    if (!this.yaml) return undefined;
    let node: unknown = this.yaml.doc.contents;
    let offset = (node as Node | null)?.range?.[0];
    for (const step of segmentsOf(field)) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === step);
        if (!pair) break;
        offset = (pair.key as Node).range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof step === 'number' && node.items[step]) {
        node = node.items[step];
        offset = (node as Node).range?.[0] ?? offset;
      } else break;
    }
    return offset === undefined ? undefined : this.yaml.lines.linePos(offset).line;
  }
}

/** `monitors[1].headers.X-Api-Key` → `monitors`, 1, `headers`, `X-Api-Key`. */
function segmentsOf(field: string): (string | number)[] {
  return [...field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map(([, name, index]) =>
    index !== undefined ? Number(index) : name!,
  );
}
