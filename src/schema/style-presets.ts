// The style preset names the request accepts ("base" means no style), and what each adds to the prompt.
// Wording is our own: `{prompt}` marks where the user's prompt goes; `negative` is appended to the negative prompt.

export interface StyleTemplate {
  prompt: string;
  negative: string;
}

const T = (prompt: string, negative: string): StyleTemplate => ({ prompt, negative });

export const STYLE_TEMPLATES = {
  base: T('{prompt}', ''),
  '3d-model': T('3D render of {prompt}, clean studio lighting, smooth shaded surfaces, physically based materials', 'flat, hand drawn, sketch, noisy, grainy'),
  abstract: T('abstract composition inspired by {prompt}, bold shapes, expressive color fields, non-representational', 'photorealistic, literal, detailed faces'),
  advertising: T('commercial advertising shot of {prompt}, polished product lighting, crisp focus, brand campaign look', 'amateur, cluttered background, dull colors'),
  alien: T('{prompt} on an alien world, otherworldly flora, strange luminous atmosphere, science fiction concept art', 'earthly, mundane, plain'),
  'analog-film': T('{prompt}, shot on 35mm analog film, natural grain, soft halation, faded film colors', 'digital look, oversharpened, plastic skin'),
  anime: T('anime illustration of {prompt}, clean line art, cel shading, vivid expressive colors', 'photo, realistic, 3d render, muddy colors'),
  architectural: T('architectural visualization of {prompt}, precise geometry, balanced daylight, professional archviz', 'distorted perspective, crooked lines, clutter'),
  cinematic: T('cinematic film still of {prompt}, dramatic lighting, shallow depth of field, anamorphic color grade', 'flat lighting, snapshot, cartoon'),
  'comic-book': T('comic book panel of {prompt}, bold ink outlines, halftone shading, dynamic composition', 'photograph, blurry, soft edges'),
  'craft-clay': T('{prompt} sculpted from modelling clay, handmade texture, fingerprints in the clay, tabletop lighting', 'smooth digital, photoreal skin, metal'),
  cubist: T('cubist painting of {prompt}, fragmented planes, multiple viewpoints, muted geometric palette', 'photorealistic, smooth gradients'),
  'digital-art': T('digital painting of {prompt}, rich brushwork, detailed concept art, vibrant lighting', 'photo, low detail, washed out'),
  disco: T('{prompt} in a disco setting, mirror ball sparkle, saturated neon lights, seventies glamour', 'dull, monochrome, daylight'),
  dreamscape: T('dreamlike scene of {prompt}, surreal soft glow, floating elements, pastel haze', 'harsh, gritty, mundane'),
  dystopian: T('dystopian vision of {prompt}, decaying megastructures, oppressive sky, bleak atmosphere', 'cheerful, bright, utopian'),
  enhance: T('{prompt}, highly detailed, sharp focus, refined lighting, high quality', 'blurry, low quality, artifacts, deformed'),
  'fairy-tale': T('storybook fairy tale illustration of {prompt}, whimsical details, warm enchanted light', 'gritty, horror, photographic'),
  'fantasy-art': T('epic fantasy artwork of {prompt}, magical atmosphere, intricate detail, painterly lighting', 'modern, mundane, photo'),
  'fighting-game': T('{prompt} as a fighting game character select screen, dynamic pose, energetic effects, arcade style', 'static, dull, realistic photo'),
  'film-noir': T('film noir scene of {prompt}, hard black and white contrast, venetian blind shadows, moody', 'color, bright, cheerful'),
  'flat-papercut': T('flat paper cut-out art of {prompt}, layered colored paper shapes, clean silhouettes', 'photorealistic, 3d shading, noisy'),
  'food-photography': T('professional food photograph of {prompt}, appetizing styling, soft window light, shallow focus', 'unappetizing, harsh flash, messy'),
  gothic: T('gothic artwork of {prompt}, dark cathedral atmosphere, ornate details, candlelit shadows', 'bright, pastel, cheerful'),
  graffiti: T('street graffiti mural of {prompt}, spray paint texture, bold lettering energy, urban wall', 'clean, digital, studio'),
  grunge: T('grunge style image of {prompt}, distressed textures, gritty tones, raw and worn', 'clean, polished, glossy'),
  hdr: T('HDR photograph of {prompt}, high dynamic range, rich shadow and highlight detail, vivid', 'flat, washed out, low contrast'),
  horror: T('horror scene of {prompt}, unsettling atmosphere, eerie lighting, creeping dread', 'cheerful, cute, bright'),
  hyperrealism: T('hyperrealistic image of {prompt}, extreme fine detail, lifelike textures, precise lighting', 'cartoon, painting, stylized, blurry'),
  impressionist: T('impressionist painting of {prompt}, loose visible brushstrokes, dappled light, plein air colors', 'sharp photo, digital, hard edges'),
  isometric: T('isometric illustration of {prompt}, clean 30 degree projection, miniature diorama feel', 'perspective distortion, photo, messy'),
  kirigami: T('kirigami paper art of {prompt}, cut and folded paper layers, delicate shadows', 'photo, painted, 3d render'),
  'line-art': T('line art drawing of {prompt}, clean continuous outlines, minimal shading, white background', 'color fill, photo, heavy texture'),
  'long-exposure': T('long exposure photograph of {prompt}, light trails, silky motion blur, night ambience', 'frozen motion, flat daylight'),
  'low-poly': T('low poly 3D art of {prompt}, faceted geometric surfaces, simple flat shading', 'high detail, smooth, photoreal'),
  minimalist: T('minimalist composition of {prompt}, lots of negative space, simple forms, restrained palette', 'cluttered, busy, ornate'),
  monochrome: T('monochrome image of {prompt}, single hue tones, strong contrast, timeless', 'colorful, saturated'),
  nautical: T('nautical scene of {prompt}, ocean spray, maritime details, weathered wood and rope', 'desert, dry, urban'),
  'neon-noir': T('neon noir scene of {prompt}, rain-slick streets, magenta and cyan neon glow, moody shadows', 'daylight, pastel, bright'),
  'neon-punk': T('neon punk artwork of {prompt}, cyberpunk glow, vivid fluorescent colors, edgy futuristic style', 'muted, natural, vintage'),
  origami: T('origami sculpture of {prompt}, precisely folded paper, crisp creases, soft studio light', 'photo of real object, painted, 3d render'),
  'paper-mache': T('{prompt} made of papier-mache, layered paper texture, handcrafted and painted', 'smooth plastic, photoreal'),
  'papercut-collage': T('papercut collage of {prompt}, torn and layered paper pieces, tactile mixed media', 'digital smooth, photo'),
  photographic: T('photograph of {prompt}, natural light, realistic detail, 50mm lens', 'painting, drawing, cartoon, cgi'),
  'pixel-art': T('pixel art of {prompt}, crisp low resolution sprites, limited color palette, retro game look', 'smooth gradients, blurry, photo'),
  pointillism: T('pointillist painting of {prompt}, composed of tiny dots of pure color', 'smooth, photo, solid fills'),
  'pop-art': T('pop art print of {prompt}, bold flat colors, halftone dots, graphic sixties style', 'muted, realistic, subtle'),
  psychedelic: T('psychedelic artwork of {prompt}, swirling patterns, kaleidoscopic saturated colors', 'plain, muted, realistic'),
  'real-estate': T('real estate listing photo of {prompt}, bright and airy, wide angle, tidy staging', 'dark, cluttered, distorted'),
  renaissance: T('renaissance oil painting of {prompt}, classical composition, chiaroscuro, aged varnish', 'modern, digital, cartoon'),
  'retro-arcade': T('{prompt} in retro arcade style, CRT glow, bold eighties graphics, pixel accents', 'modern photo, realistic'),
  'rpg-fantasy-game': T('role-playing game art of {prompt}, heroic fantasy gear, detailed game concept illustration', 'modern, photo, mundane'),
  silhouette: T('silhouette of {prompt} against a glowing sky, strong backlight, graphic shapes', 'front lit, detailed faces, flat'),
  space: T('{prompt} in outer space, stars and nebulae, cosmic scale, sci-fi lighting', 'earthbound, daylight sky'),
  'stained-glass': T('stained glass window depicting {prompt}, leaded outlines, luminous colored glass', 'photo, matte, 3d render'),
  steampunk: T('steampunk design of {prompt}, brass gears, victorian machinery, warm sepia light', 'modern minimal, plastic, neon'),
  surrealist: T('surrealist painting of {prompt}, impossible dreamlike juxtapositions, meticulous detail', 'ordinary, literal, snapshot'),
  'techwear-fashion': T('techwear fashion photo of {prompt}, functional layered garments, urban futuristic styling', 'vintage, casual, low detail'),
  'tile-texture': T('seamless tileable texture of {prompt}, even lighting, repeating pattern, top-down', 'perspective, objects, vignette, seams'),
  'tilt-shift': T('tilt-shift photo of {prompt}, miniature effect, selective focus band, vivid colors', 'uniform focus, flat'),
  typography: T('typographic design featuring {prompt}, expressive lettering, strong layout, graphic poster', 'illegible, cluttered, photo'),
  watercolor: T('watercolor painting of {prompt}, soft washes, paper texture, gentle color bleeds', 'photo, hard edges, digital'),
} satisfies Record<string, StyleTemplate>;

export type StylePreset = keyof typeof STYLE_TEMPLATES;
export const STYLE_PRESETS = Object.keys(STYLE_TEMPLATES) as [StylePreset, ...StylePreset[]];

/** The prompt and negative prompt a style produces; "base" returns them unchanged. */
export function applyStyle(preset: StylePreset, prompt: string, negative: string | undefined): { prompt: string; negative: string | undefined } {
  const t = STYLE_TEMPLATES[preset];
  const styled = t.prompt.replace('{prompt}', prompt);
  const neg = [negative, t.negative].filter((s) => s && s.trim() !== '').join(', ');
  return { prompt: styled, negative: neg === '' ? undefined : neg };
}
