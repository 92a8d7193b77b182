/** `--port N --host H` for the baseline servers; prints `listening <port>` once bound. */
export function serverArgs(argv: string[] = process.argv.slice(2)): { port: number; host: string } {
  let port = 0;
  let host = '127.0.0.1';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port') port = Number(argv[++i]);
    else if (argv[i] === '--host') host = argv[++i] ?? host;
  }
  return { port, host };
}

export function exitOnSignals(close: () => void): void {
  const stop = () => {
    close();
    setTimeout(() => process.exit(0), 500).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
}
