import { applyDecorators } from '@nestjs/common';
import { ApiQuery, type SchemaObject } from '@nestjs/swagger';
import { z } from 'zod';

/**
 * A JSON Schema of a contract, for the OpenAPI document; generated, never written by hand.
 * `input` is what a client sends (defaults make a field optional), `output` what it receives.
 */
export function openApiSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): SchemaObject {
  const { $schema: _, ...json } = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io,
    unrepresentable: 'any',
    override: ({ jsonSchema }) => {
      // `.int()` states JavaScript's safe range as bounds, and a format (uuid, date-time) comes
      // with zod's regex for it: neither tells a reader anything more.
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
      if (jsonSchema.format) delete jsonSchema.pattern;
    },
  });
  return json as SchemaObject;
}

/** What a route answers, for `@ApiOkResponse({ schema })` and its kin. */
export function openApiResponse(schema: z.ZodType): SchemaObject {
  return openApiSchema(schema, 'output');
}

/**
 * One query parameter per field of a route's query schema, each with the field's rules, default
 * and description, required only when the schema requires it.
 */
export function ApiQueryFrom(schema: z.ZodObject): MethodDecorator & ClassDecorator {
  const json = openApiSchema(schema);
  const required = new Set(json.required ?? []);
  return applyDecorators(
    ...Object.entries(json.properties ?? {}).map(([name, field]) =>
      ApiQuery({
        name,
        required: required.has(name),
        schema: field,
        ...('description' in field && { description: field.description }),
      }),
    ),
  );
}
