// The insights answers' schemas, in a chunk of their own (loaded with the first call, like the dashboard's), so zod
// is not in the pages' first JS.
export { SubscriptionsResponse, UnusualBothResponse, UnusualResponse } from "#protocol/insights.ts";
