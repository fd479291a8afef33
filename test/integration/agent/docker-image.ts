/** The local Docker test image; the helper lives in bench/lib so benchmarks can build it too. */
export { TEST_IMAGE, ensureTestImage } from '../../../bench/lib/docker-image.js';
