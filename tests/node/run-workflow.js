// Runs the real state machine definition with aws-local-stepfunctions. Each Lambda task is served by the real
// built function (dotnet S3AuditFlow.Functions.dll), which polls a Lambda Runtime API that this script emulates
// on 127.0.0.1; sns:publish tasks are captured instead of sent. The only stand-ins are the Lambda service's
// Runtime API and SNS, which cannot run here.
//
// Usage: node run-workflow.js SPEC.json, where SPEC is
//   { definition, substitutions: {Name: value}, context, functions: {"State Name": {command, args, env}},
//     snsStates: ["Publish Alert", ...], executions: [{name, input, before?: "pause"}] }
// Prints one JSON object: { results: [{name, status, output, error, cause, published: [{state, parameters}]}], logs }.
const fs = require('fs');
const http = require('http');
const readline = require('readline');
const { spawn } = require('child_process');
const { StateMachine } = require('aws-local-stepfunctions');

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
let definitionText = fs.readFileSync(spec.definition, 'utf8');
for (const [name, value] of Object.entries(spec.substitutions)) {
  definitionText = definitionText.split('${' + name + '}').join(value);
}
const definition = JSON.parse(definitionText);
const logs = [];

/** A Lambda Runtime API for one function: invocations wait in a queue until the function asks for the next. */
function runtimeApi(stateName) {
  const waitingInvocations = [];
  const waitingPollers = [];
  const inFlight = new Map();
  let counter = 0;

  function hand(invocation, res) {
    inFlight.set(invocation.id, invocation);
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Lambda-Runtime-Aws-Request-Id': invocation.id,
      'Lambda-Runtime-Deadline-Ms': String(Date.now() + 30000),
      'Lambda-Runtime-Trace-Id': 'Root=1-00000000-000000000000000000000000;Sampled=0',
      'Lambda-Runtime-Invoked-Function-Arn': spec.substitutions[stateName.replace(/ /g, '') + 'FunctionArn'] || '',
    });
    res.end(invocation.payload);
  }

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = req.url;
      if (req.method === 'GET' && url === '/2018-06-01/runtime/invocation/next') {
        const next = waitingInvocations.shift();
        if (next) hand(next, res);
        else waitingPollers.push(res);
        return;
      }
      const match = url.match(/^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/);
      if (req.method === 'POST' && match && inFlight.has(match[1])) {
        const invocation = inFlight.get(match[1]);
        inFlight.delete(match[1]);
        res.writeHead(202);
        res.end();
        if (match[2] === 'response') {
          invocation.resolve(body.length ? JSON.parse(body) : null);
        } else {
          // As in AWS: the error name is the function's error type; the cause is the error document.
          const error = new Error(body);
          error.name = req.headers['lambda-runtime-function-error-type'] || 'Lambda.Unknown';
          invocation.reject(error);
        }
        return;
      }
      if (req.method === 'POST' && url === '/2018-06-01/runtime/init/error') {
        logs.push({ state: stateName, initError: body });
        res.writeHead(202);
        res.end();
        return;
      }
      res.writeHead(404);
      res.end();
    });
  });

  return {
    server,
    invoke(input) {
      return new Promise((resolve, reject) => {
        const invocation = { id: `${stateName.replace(/ /g, '-')}-${++counter}`, payload: JSON.stringify(input), resolve, reject };
        const poller = waitingPollers.shift();
        if (poller) hand(invocation, poller);
        else waitingInvocations.push(invocation);
      });
    },
  };
}

async function main() {
  const apis = {};
  const processes = [];
  for (const [stateName, fn] of Object.entries(spec.functions)) {
    const api = runtimeApi(stateName);
    await new Promise((resolve) => api.server.listen(0, '127.0.0.1', resolve));
    apis[stateName] = api;
    const child = spawn(fn.command, fn.args, {
      env: { ...process.env, ...fn.env, AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${api.server.address().port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on('line', (line) => logs.push({ state: stateName, line }));
    }
    processes.push(child);
  }

  const stateMachine = new StateMachine(definition, { validationOptions: { checkArn: false } });
  const results = [];
  for (const execution of spec.executions) {
    const published = [];
    const handlers = {};
    for (const stateName of Object.keys(apis)) handlers[stateName] = (input) => apis[stateName].invoke(input);
    for (const stateName of spec.snsStates) {
      handlers[stateName] = async (parameters) => {
        published.push({ state: stateName, parameters });
        return { MessageId: `message-${published.length}` };
      };
    }
    const retryIntervalOverrides = {};
    for (const name of Object.keys(definition.States)) retryIntervalOverrides[name] = 0;
    const run = stateMachine.run(execution.input, {
      overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides },
      context: { Execution: { Id: `arn:aws:states:us-east-1:123456789012:express:s3-audit:${execution.name}`, Name: execution.name, Input: execution.input } },
    });
    const record = { name: execution.name, published };
    try {
      record.output = await run.result;
      record.status = 'SUCCEEDED';
    } catch (error) {
      record.status = 'FAILED';
      // A Fail state surfaces as ExecutionError whose cause is the Fail state's error.
      record.error = error.cause?.name ?? error.name;
      record.cause = typeof error.cause === 'string' ? error.cause : (error.cause?.message ?? error.message);
    }
    const states = [];
    for await (const event of run.eventLogs) {
      if (event.type === 'StateEntered') states.push(event.state.name);
      if (event.type === 'StateRetried') states.push(`retry ${event.state.name}`);
    }
    record.states = states;
    results.push(record);
  }

  for (const child of processes) child.kill();
  for (const api of Object.values(apis)) api.server.close();
  process.stdout.write(JSON.stringify({ results, logs }) + '\n');
  process.exit(0);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
