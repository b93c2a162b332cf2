// Parses AsyncAPI documents with the AsyncAPI Initiative's own parser (@asyncapi/parser) and checks every embedded
// Avro schema with its Avro schema parser (@asyncapi/avro-schema-parser, avsc): for 3.x documents the parser's
// ruleset validates no custom schema format itself, so the Avro schemas are validated here, one by one.
// Prints one JSON line per document:
//   {"file", "valid", "channels", "operations", "messages", "avroSchemas", "diagnostics": [{severity, code, message, path}]}
// severity: 0 error, 1 warning, 2 information, 3 hint. Exit 1 when any document has an error.
// Run by tests/contract/test_asyncapi.py with NODE_PATH pointing at the npm ci of this folder's package-lock.json.
'use strict';

const fs = require('fs');
const { Parser } = require('@asyncapi/parser');
const { AvroSchemaParser } = require('@asyncapi/avro-schema-parser');

const avro = AvroSchemaParser();
const AVRO_FORMATS = new Set(avro.getMimeTypes());

// Every Multi Format Schema Object in Avro: components.schemas and messages' payloads.
function avroSchemas(raw) {
  const found = [];
  const visit = (value, path) => {
    if (value === null || typeof value !== 'object') return;
    if (typeof value.schemaFormat === 'string' && AVRO_FORMATS.has(value.schemaFormat) && value.schema) {
      found.push({ data: value.schema, path: [...path, 'schema'] });
      return;
    }
    for (const [key, child] of Object.entries(value)) visit(child, [...path, key]);
  };
  visit(raw, []);
  return found;
}

async function check(parser, file) {
  const text = fs.readFileSync(file, 'utf8');
  const schemas = avroSchemas(JSON.parse(text));
  const { document, diagnostics } = await parser.parse(text);
  const found = diagnostics.map((d) => ({
    severity: d.severity,
    code: String(d.code),
    message: d.message,
    path: (d.path || []).join('/'),
  }));
  for (const schema of schemas) {
    for (const problem of await avro.validate(schema)) {
      found.push({ severity: 0, code: 'avro-schema', message: problem.message, path: schema.path.join('/') });
    }
  }
  const valid = document !== undefined && !found.some((d) => d.severity === 0);
  return {
    file,
    valid,
    channels: document ? document.channels().length : 0,
    operations: document ? document.operations().length : 0,
    messages: document ? document.allMessages().length : 0,
    avroSchemas: schemas.length,
    diagnostics: found,
  };
}

async function main(files) {
  const parser = new Parser();
  parser.registerSchemaParser(avro);
  let failed = false;
  for (const file of files) {
    const result = await check(parser, file);
    failed = failed || !result.valid;
    process.stdout.write(JSON.stringify(result) + '\n');
  }
  process.exitCode = failed ? 1 : 0;
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + '\n');
  process.exitCode = 2;
});
