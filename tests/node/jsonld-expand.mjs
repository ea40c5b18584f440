// Expands a JSON-LD document (stdin) with the jsonld processor and prints the expanded form.
// Contexts are inline, so no document loader needs the network.
import jsonld from 'jsonld';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const expanded = await jsonld.expand(JSON.parse(input));
process.stdout.write(JSON.stringify(expanded));
