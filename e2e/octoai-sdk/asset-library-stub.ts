// Stands in for @octoai/sdk's asset-library upload wrapper (fast-glob, AWS S3: Node-only) in the browser bundle; image
// generation never touches it.
export class AssetLibrary {}
