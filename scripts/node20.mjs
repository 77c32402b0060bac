// Node 20 (what CI runs) lacks Promise.withResolvers, which libp2p and Helia use. Import this
// module before anything that loads them: a module's static imports run in order, so the
// polyfill exists by the time libp2p's modules are evaluated.
if (typeof Promise.withResolvers !== 'function') {
	Object.defineProperty(Promise, 'withResolvers', {
		configurable: true,
		writable: true,
		value: function withResolvers() {
			/** @type {(value: unknown) => void} */
			let resolve = () => {};
			/** @type {(reason?: unknown) => void} */
			let reject = () => {};
			const promise = new Promise((res, rej) => {
				resolve = res;
				reject = rej;
			});
			return { promise, resolve, reject };
		}
	});
}
