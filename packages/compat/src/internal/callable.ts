/**
 * Node's `net.Socket` and `net.Server` are functions that may be called without `new`; a class
 * cannot be. The proxy makes a call construct, and leaves everything else (`instanceof`, `extends`,
 * static members) to the class.
 */
export const callable = <C extends abstract new(...args: Array<never>) => unknown>(Class: C): C =>
  new Proxy(Class, {
    apply: (target, _thisArg, args) => Reflect.construct(target, args)
  })
