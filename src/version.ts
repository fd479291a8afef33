/** The Kairos version reported by /version and `kairos --version`. */
export const KAIROS_VERSION = '0.1.0';
