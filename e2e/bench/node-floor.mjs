// The floor the benchmarks put beside lighthouse: a bare Node HTTP server, run and measured as lighthouse
// is (same Node, same harness). It reads each request's body and answers 200 with a JSON body shaped like
// a decided delivery's that started nothing, so the senders' checks pass, and logs its port as lighthouse
// does. What lighthouse costs is its figure less this one.
//   node node-floor.mjs [PORT]
import { createServer } from 'node:http';

const answer = JSON.stringify({ status: 'done', started: [] });

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(answer);
  });
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'listening', port: server.address().port }));
});
process.once('SIGTERM', () => server.close());
