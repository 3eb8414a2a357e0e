// natural runs dotenv on load, which prints to stdout unless told to be quiet; set it before the
// dynamic import so every module takes natural from here.
process.env.DOTENV_CONFIG_QUIET ??= 'true';

const natural = (await import('natural')).default;

export default natural;
