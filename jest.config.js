/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Transpile only (tsconfig's isolatedModules): `npm run typecheck` checks the types, once.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // The suites wait on sockets and timers far more than on the CPU: one worker per core, the
  // main process included (jest's default leaves a core idle; on 2 cores that is half).
  maxWorkers: '100%',
  // No test takes more than a few seconds; a suite that needs longer says so in its own calls.
  // A hang fails at 20 s, not at the end of CI.
  testTimeout: 20_000,
};
