/**
 * The pure parts of the HTTP APIs stay pure (DESIGN rule 1): decoding, validation, RecordIO and
 * the operator views take everything as arguments. Same scan as test/unit/purity.test.ts
 * (test/helpers/purity.ts), over this area's pure files (the routes and the event stream are the
 * shells).
 */
import { itIsPure, projectIoLibraries } from '../../../helpers/purity.js';

itIsPure([
  'src/master/api/scheduler/recordio.ts',
  'src/master/api/scheduler/schema.ts',
  'src/master/api/scheduler/decode.ts',
  'src/master/api/scheduler/validate.ts',
  'src/master/api/scheduler/streams.ts',
  'src/master/api/operator/cluster-view.ts',
  'src/master/api/operator/resource-summary.ts',
  'src/master/api/operator/state-v0.ts',
  'src/master/api/operator/operator-v1.ts',
  'src/master/api/operator/metrics-snapshot.ts',
], { also: [projectIoLibraries] });
