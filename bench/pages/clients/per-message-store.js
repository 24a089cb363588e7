// The token stream as apps write it with a plain socket client: one Zustand setState per
// message_delta (each one re-renders subscribed components).
export function perMessageStore(open) {
  return (url, store, { onDone, onOpen }) =>
    open(url, {
      on: {
        message_delta: (message) => store.setState((state) => ({ text: state.text + message.delta })),
        bench_done: onDone,
      },
      onOpen,
    });
}
