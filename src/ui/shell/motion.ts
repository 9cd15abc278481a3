// Motion the user asked for less of (prefers-reduced-motion): scrolls jump instead of gliding. CSS drops transitions.
export const scrollBehavior = (): ScrollBehavior => (matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth');
