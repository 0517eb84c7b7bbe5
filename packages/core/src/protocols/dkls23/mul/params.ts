/**
 * Parameters of the OT-based multiplication (docs/protocols/dkls23-mul.md §2). They are part of
 * the wire format: changing one changes message sizes and makes old pair states unusable.
 */
import { MUL_INPUTS } from './types.ts';

/** κ: computational security; base OTs per ordered pair and bits of the sender's Δ. */
export const KAPPA = 256;
/** s: statistical security parameter (DKLs19, DKLs23). */
export const STAT_SECURITY = 80;
/** ξ = κ + 2s: OTs per multiplication, and the length of the gadget vector g (DKLs19 Protocol 1). */
export const XI = KAPPA + 2 * STAT_SECURITY;
/**
 * h: output bits of the OT-extension consistency hash and number of extra random rows that mask
 * it (KOS15 revised Fig. 10 uses 128 + s = 208; rounded up to whole 32-bit words).
 */
export const CHECK_BITS = 224;
/** ℓ' = ξ + h: extended OTs per multiplication (the last h are consumed by the check). */
export const EXT_ROWS = XI + CHECK_BITS;
/** Correlations per OT: ã_1..ã_L (the multiplication) then â (their check). */
export const WIDTH = MUL_INPUTS + 1;
/** Bytes of hash output reduced to one scalar (bias < 2^-128 for a 256-bit order). */
export const WIDE_BYTES = 48;

export const ROW_WORDS = KAPPA / 32;
export const COLUMN_BYTES = EXT_ROWS / 8;
export const COLUMN_WORDS = EXT_ROWS / 32;
export const CHECK_WORDS = CHECK_BITS / 32;
export const SEED_BYTES = 32;
/** Scalars on the multiplication's wire: 32-byte big-endian, below the group order. */
export const SCALAR_BYTES = 32;
