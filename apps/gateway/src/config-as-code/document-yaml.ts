import { ConfigDocumentSchema } from '@uptime/contracts';
import { Document, isMap, isSeq } from 'yaml';
import { z } from 'zod';
import type { ExportedDocument } from './config-documents.service';

/**
 * The exported document as YAML: a first line that tells editors (the YAML language server) where
 * its schema is, and a note on each monitor whose key was made up by the export.
 */
export function exportedYaml(
  { document, derivedKeys }: ExportedDocument,
  schemaUrl: string,
): string {
  const doc = new Document(document);
  doc.commentBefore = ` yaml-language-server: $schema=${schemaUrl}`;
  const monitors = doc.get('monitors', true);
  if (isSeq(monitors)) {
    for (const item of monitors.items) {
      const key = isMap(item) ? item.get('key') : undefined;
      if (typeof key === 'string' && derivedKeys.has(key) && isMap(item)) {
        item.commentBefore = ' key made up by the export (the monitor has none): applying sets it';
      }
    }
  }
  return doc.toString({ lineWidth: 0 });
}

/**
 * The JSON Schema of the configuration document, generated from its contract: draft-07, which
 * editors' YAML and JSON validation reads best.
 */
export function configDocumentJsonSchema(id: string): Record<string, unknown> {
  const schema = z.toJSONSchema(ConfigDocumentSchema, {
    target: 'draft-7',
    io: 'input',
    unrepresentable: 'any',
    override: ({ jsonSchema }) => {
      // As in the OpenAPI document: `.int()`'s safe-range bounds tell a reader nothing.
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
    },
  });
  const { $schema, ...rest } = schema;
  return { $schema, $id: id, ...rest };
}
