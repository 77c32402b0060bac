export * from './errors';
export * from './payload';
export * from './make';
export * from './open';
