/** What the page's TypeScript needs beyond lib.dom: the worker-only FileReaderSync and Vite's CSS imports. */
declare class FileReaderSync {
  readAsArrayBuffer(blob: Blob): ArrayBuffer;
}

declare module '*.css';
