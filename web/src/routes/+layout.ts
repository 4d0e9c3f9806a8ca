// A single-page app: everything renders in the browser, and the worker serves index.html for every route.
export const ssr = false;
export const prerender = false;
