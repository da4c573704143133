// Cold start of one Lambda step, measured locally: spawns the function (JIT dll or Native AOT binary) against an
// emulated Lambda Runtime API on 127.0.0.1 with one invocation queued, and times process start → response posted.
// Usage: node coldstart.js RUNS COMMAND [ARGS...]   Prints the runs and their median in milliseconds.
const http = require('http');
const { spawn } = require('child_process');

const runs = Number(process.argv[2]);
const [command, ...args] = process.argv.slice(3);
const event = JSON.stringify({
  version: '0', id: 'cold-1', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.s3', account: '123456789012',
  time: '2021-03-10T14:03:42Z', region: 'us-west-1', resources: [],
  detail: {
    eventVersion: '1.08', eventTime: '2021-03-10T14:03:42Z', eventSource: 's3.amazonaws.com', eventName: 'GetObject',
    eventType: 'AwsApiCall', eventID: 'cold-1', sourceIPAddress: '54.177.149.226',
    userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::123456789012:assumed-role/etl/i-0abc', accountId: '123456789012',
      sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::123456789012:role/etl', userName: 'etl' } } },
    requestParameters: { bucketName: 'cg-cardholder-data-bucket', key: 'cardholder_data_primary.csv' },
  },
});

function once() {
  return new Promise((resolve, reject) => {
    let child;
    let started;
    const server = http.createServer((req, res) => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'Lambda-Runtime-Aws-Request-Id': 'r1', 'Lambda-Runtime-Deadline-Ms': String(Date.now() + 30000) });
        res.end(event);
        return;
      }
      req.resume();
      req.on('end', () => {
        const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
        res.writeHead(202);
        res.end();
        child.kill();
        server.close();
        if (req.url.endsWith('/response')) resolve(elapsed);
        else reject(new Error(`function reported ${req.url}`));
      });
    });
    server.listen(0, '127.0.0.1', () => {
      started = process.hrtime.bigint();
      child = spawn(command, args, {
        env: { ...process.env, AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${server.address().port}`, S3AUDIT_STEP: 'ParseEvent' },
        stdio: 'ignore',
      });
    });
  });
}

(async () => {
  const times = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  const sorted = [...times].sort((a, b) => a - b);
  console.log(`runs (ms): ${times.map((t) => t.toFixed(0)).join(' ')}; median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms`);
})();
