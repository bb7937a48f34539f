// aws-local-stepfunctions uses Promise.withResolvers (Node >= 22). On Node 20 every Task would fail
// and a Catch on States.ALL would hide it: provide it for the tests.
if (typeof (Promise as any).withResolvers !== 'function') {
  (Promise as any).withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
