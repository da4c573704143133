// Runs the real state machine definition with aws-local-stepfunctions. Each Lambda task is served by the real
// built function (dotnet S3AuditFlow.Functions.dll), which polls a Lambda Runtime API that this script emulates
// on 127.0.0.1. The service integrations call real local servers: sqs:sendMessage → an SQS-compatible server
// (moto_server), dynamodb:updateItem → dynalite. Stand-ins, because they cannot run here: the Lambda service's
// Runtime API, SNS (sns:publish is captured, and can be made to fail), Lambda throttling (injected as
// Lambda.TooManyRequestsException), and the EventBridge Pipe that feeds the redrive queue into the state machine
// (executionsFromQueue below does what the Pipe does: receive, start an execution with the body, delete).
//
// Usage: node run-workflow.js SPEC.json, where SPEC is
//   { definition, substitutions: {Name: value}, functions: {"State Name": {command, args, env, instances?}},
//     sqsEndpoint?, dynamoEndpoint?, failPublish?: ["Publish Alert"], throttle?: {attempts: K},
//     concurrency?: N, executions: [{name, input}], executionsFromQueue?: queueUrl, failCalls?: ["Apply Read Rule"],
//     afterCall?: {state, target: "DynamoDB_20120810.PutItem", parameters} (sent to dynamoEndpoint once, after that state's first call) }
// Prints one JSON object: { results: [{name, status, error, cause, states, published: [{state, parameters}],
//   calls: [{state, resource, parameters}]}], logs }. AWS SDK integrations (arn:aws:states:::aws-sdk:*) are captured
// in calls, as sns:publish is in published (the real APIs cannot run here); failCalls makes a state's call fail.
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

/** A Lambda Runtime API for one function: invocations wait in a queue until one of its processes asks for the next. */
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

/** One call of an AWS JSON-protocol API (DynamoDB, SQS) on a local server; resolves the parsed response. */
function awsJson(endpoint, service, target, body) {
  const url = new URL(endpoint);
  const payload = JSON.stringify(body);
  const prefix = service === 'sqs' ? 'SQS' : 'DynamoDB';
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname, port: url.port, path: '/', method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.0',
        'X-Amz-Target': target,
        'X-Amz-Date': '20261201T000000Z',
        // Local servers check that a signature is present (and route by its service), not that it is right.
        Authorization: `AWS4-HMAC-SHA256 Credential=local/20261201/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
        'Content-Length': Buffer.byteLength(payload),
      },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const parsed = text ? JSON.parse(text) : {};
        if (res.statusCode === 200) return resolve(parsed);
        const error = new Error(parsed.message || parsed.Message || text);
        error.name = `${prefix}.${String(parsed.__type || 'ServiceException').split('#').pop()}`;
        reject(error);
      });
    });
    // A server that is down fails the task as the service would (States.TaskFailed matches it).
    req.on('error', (e) => { const error = new Error(e.message); error.name = `${prefix}.ServiceUnavailable`; reject(error); });
    req.end(payload);
  });
}

/** sqs:sendMessage as Step Functions calls it: a JSON MessageBody is sent as its JSON text. */
function sendMessage(parameters) {
  if (!spec.sqsEndpoint) return Promise.reject(Object.assign(new Error('no SQS endpoint'), { name: 'SQS.ServiceUnavailable' }));
  const body = { ...parameters };
  if (typeof body.MessageBody !== 'string') body.MessageBody = JSON.stringify(body.MessageBody);
  return awsJson(spec.sqsEndpoint, 'sqs', 'AmazonSQS.SendMessage', body);
}

/** dynamodb:updateItem as Step Functions calls it: the API's own request and response. */
function updateItem(parameters) {
  return awsJson(spec.dynamoEndpoint, 'dynamodb', 'DynamoDB_20120810.UpdateItem', parameters);
}

async function main() {
  const apis = {};
  const processes = [];
  for (const [stateName, fn] of Object.entries(spec.functions)) {
    const api = runtimeApi(stateName);
    await new Promise((resolve) => api.server.listen(0, '127.0.0.1', resolve));
    apis[stateName] = api;
    for (let i = 0; i < (fn.instances || 1); i++) {
      const child = spawn(fn.command, fn.args, {
        env: { ...process.env, ...fn.env, AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${api.server.address().port}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      for (const stream of [child.stdout, child.stderr]) {
        readline.createInterface({ input: stream }).on('line', (line) => logs.push({ state: stateName, line }));
      }
      processes.push(child);
    }
  }

  const stateMachine = new StateMachine(definition, { validationOptions: { checkArn: false } });
  const retryIntervalOverrides = {};
  for (const name of Object.keys(definition.States)) retryIntervalOverrides[name] = 0;
  const failPublish = new Set(spec.failPublish || []);
  const failCalls = new Set(spec.failCalls || []);
  const afterCall = spec.afterCall;
  const throttledAttempts = spec.throttle?.attempts || 0;

  async function runOne(execution) {
    const published = [];
    const calls = [];
    const handlers = {};
    const attempts = {};
    for (const stateName of Object.keys(apis)) {
      handlers[stateName] = (input) => {
        attempts[stateName] = (attempts[stateName] || 0) + 1;
        if (attempts[stateName] <= throttledAttempts) {
          const error = new Error('Rate Exceeded.');
          error.name = 'Lambda.TooManyRequestsException';
          return Promise.reject(error);
        }
        return apis[stateName].invoke(input);
      };
    }
    for (const [stateName, state] of Object.entries(definition.States)) {
      if (state.Resource === 'arn:aws:states:::sns:publish') {
        handlers[stateName] = async (parameters) => {
          if (failPublish.has(stateName)) {
            const error = new Error('SNS is unavailable (injected by the test)');
            error.name = 'SNS.InternalErrorException';
            throw error;
          }
          published.push({ state: stateName, parameters });
          return { MessageId: `message-${published.length}` };
        };
      } else if (String(state.Resource).startsWith('arn:aws:states:::aws-sdk:')) {
        handlers[stateName] = async (parameters) => {
          if (failCalls.has(stateName)) {
            // Named as Step Functions names SDK errors: Service.ExceptionName.
            const error = new Error('the service is unavailable (injected by the test)');
            error.name = `${state.Resource.split(':')[6].replace(/^eventbridge$/, 'EventBridge').replace(/^cloudtrail$/, 'CloudTrail')}.InternalException`;
            throw error;
          }
          calls.push({ state: stateName, resource: state.Resource, parameters });
          if (afterCall && afterCall.state === stateName && !afterCall.done) {
            // A change made while the execution runs (e.g. a rule written between applying and recompiling).
            afterCall.done = true;
            await awsJson(spec.dynamoEndpoint, 'dynamodb', afterCall.target, afterCall.parameters);
          }
          return {};
        };
      } else if (state.Resource === 'arn:aws:states:::sqs:sendMessage') {
        handlers[stateName] = sendMessage;
      } else if (state.Resource === 'arn:aws:states:::dynamodb:updateItem') {
        handlers[stateName] = updateItem;
      }
    }
    const run = stateMachine.run(execution.input, {
      overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides },
      context: { Execution: { Id: `arn:aws:states:us-east-1:123456789012:express:s3-audit:${execution.name}`, Name: execution.name } },
    });
    const record = { name: execution.name, published, calls };
    try {
      await run.result;
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
    return record;
  }

  /** Runs executions with at most spec.concurrency at once, results in input order. */
  async function runAll(executions) {
    const results = new Array(executions.length);
    let next = 0;
    const workers = Array.from({ length: Math.max(1, spec.concurrency || 1) }, async () => {
      while (next < executions.length) {
        const i = next++;
        results[i] = await runOne(executions[i]);
      }
    });
    await Promise.all(workers);
    return results;
  }

  /** What the EventBridge Pipe does with the redrive queue: each message's JSON body starts one execution. */
  async function drainQueue(queueUrl) {
    const executions = [];
    for (;;) {
      const received = await awsJson(spec.sqsEndpoint, 'sqs', 'AmazonSQS.ReceiveMessage', { QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 300 });
      const messages = received.Messages || [];
      if (messages.length === 0) break;
      for (const message of messages) {
        executions.push({ name: `replay-${executions.length + 1}`, input: JSON.parse(message.Body) });
        // FIRE_AND_FORGET: the Pipe deletes once the execution is started; the execution keeps its own failures.
        await awsJson(spec.sqsEndpoint, 'sqs', 'AmazonSQS.DeleteMessage', { QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle });
      }
    }
    return executions;
  }

  const results = await runAll(spec.executions || []);
  if (spec.executionsFromQueue) results.push(...await runAll(await drainQueue(spec.executionsFromQueue)));

  for (const child of processes) child.kill();
  for (const api of Object.values(apis)) api.server.close();
  // Exit only once the (possibly large) result has reached the pipe: exiting earlier truncates it.
  process.stdout.write(JSON.stringify({ results, logs }) + '\n', () => process.exit(0));
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
