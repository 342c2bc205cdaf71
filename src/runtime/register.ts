/**
 * Side-effect entry: prepare the platform with `CMPLOSS_THREADS` (default: all cores) before jax-js loads.
 * The package root imports this first; import `cmploss/register` yourself before `@jax-js/jax` if you
 * import jax-js directly.
 */
import { preparePlatform, threadsFromEnv } from "./platform.js";

preparePlatform(threadsFromEnv());
