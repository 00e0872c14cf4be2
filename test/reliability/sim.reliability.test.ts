// The reliability parts that need the simulated site. Since the simulator binds the site's fixed
// loopback addresses (127.12.4.50:5000 ...), only one can run on a machine at a time: the parts
// register their tests here, in one process, and node:test runs them one after another. (The
// bad-site-file part needs no simulator and runs beside this file.)
import './scenarios.part.js';
import './api-faults.part.js';
import './canaries.part.js';
import './kill-resume.part.js';
