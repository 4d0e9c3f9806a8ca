import type { ManagerName, ServiceContext } from "./context.ts";

/** What `serviceStatus` reports: the contract's four fields, plus the definition file and the last exit code. */
export type ServiceStatus = {
  manager: ManagerName;
  /** The definition is written and (where the manager is reachable) registered. */
  installed: boolean;
  /** null: the manager cannot be asked (not running here, or not answering). */
  running: boolean | null;
  /** One line for people: the manager's state, or why it is unknown. */
  detail: string;
  file: string;
  lastExit: number | null;
};

/** The outcome of install, uninstall or restart. `ok` false: the message says what happened and what to do. */
export type ServiceResult = { ok: boolean; file: string; message: string };

/** One service manager's operations. */
export type Manager = {
  name: ManagerName;
  file: (ctx: ServiceContext) => string;
  install: (ctx: ServiceContext, hearth: string) => Promise<ServiceResult>;
  uninstall: (ctx: ServiceContext, hearth: string) => Promise<ServiceResult>;
  restart: (ctx: ServiceContext, hearth: string) => Promise<ServiceResult>;
  status: (ctx: ServiceContext, hearth: string) => Promise<ServiceStatus>;
};
