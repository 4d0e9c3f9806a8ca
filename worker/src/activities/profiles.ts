import { Hono } from "hono";
import type { AppEnv } from "../http/types.ts";

// Issue 19: routes filled in by their owner.
export const routes = new Hono<AppEnv>();
