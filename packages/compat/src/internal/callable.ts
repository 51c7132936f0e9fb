/**
 * Node's `net.Socket` and `net.Server` are functions that may be called without `new`; a class
 * cannot be. The proxy makes a call construct, and leaves everything else (`instanceof`, `extends`,
 * static members) to the class.
 *
 * `new` on the proxy constructs the class itself: with the proxy as `new.target` the engine builds
 * the object the slow way (V8: some 20 us per socket, against 0.5 us).
 */
export const callable = <C extends abstract new(...args: Array<never>) => unknown>(Class: C): C => {
  const proxy: C = new Proxy(Class, {
    apply: (target, _thisArg, args) => Reflect.construct(target, args),
    construct: (target, args, newTarget) => Reflect.construct(target, args, newTarget === proxy ? target : newTarget)
  })
  return proxy
}
