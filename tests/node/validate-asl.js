// Lints an ASL file with asl-validator (the npm package the tests pin). Prints {"valid": bool, "errors": [...]}.
const fs = require('fs');
const aslValidator = require('asl-validator');

const definition = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const { isValid, errorsText } = aslValidator(definition);
process.stdout.write(JSON.stringify({ valid: isValid, errors: isValid ? [] : errorsText('\n').split('\n') }) + '\n');
