// The style preset names the request accepts ("base" means no style).
export const STYLE_PRESETS = [
  'base', '3d-model', 'abstract', 'advertising', 'alien', 'analog-film', 'anime', 'architectural', 'cinematic',
  'comic-book', 'craft-clay', 'cubist', 'digital-art', 'disco', 'dreamscape', 'dystopian', 'enhance', 'fairy-tale',
  'fantasy-art', 'fighting-game', 'film-noir', 'flat-papercut', 'food-photography', 'gothic', 'graffiti', 'grunge',
  'hdr', 'horror', 'hyperrealism', 'impressionist', 'isometric', 'kirigami', 'line-art', 'long-exposure', 'low-poly',
  'minimalist', 'monochrome', 'nautical', 'neon-noir', 'neon-punk', 'origami', 'paper-mache', 'papercut-collage',
  'photographic', 'pixel-art', 'pointillism', 'pop-art', 'psychedelic', 'real-estate', 'renaissance', 'retro-arcade',
  'rpg-fantasy-game', 'silhouette', 'space', 'stained-glass', 'steampunk', 'surrealist', 'techwear-fashion',
  'tile-texture', 'tilt-shift', 'typography', 'watercolor',
] as const;
export type StylePreset = (typeof STYLE_PRESETS)[number];
