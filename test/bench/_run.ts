import { benchStores } from './stores';
benchStores().catch((e) => { console.error(e); process.exit(1); });
