// Live panel events over /api/v1/ws. The token travels as a subprotocol, never in the URL.
// Reconnects with backoff and resumes each subscription from the last event id it saw.

export type LiveStatus = "connecting" | "live" | "offline";

export interface PanelEvent {
  id: number;
  event: string;
  panel_id: string;
  data: Record<string, unknown>;
  at: string;
}

export class LiveEvents {
  private socket: WebSocket | null = null;
  private lastId: number | null = null;
  private retry = 0;
  private closed = false;
  private timer: number | undefined;

  constructor(
    private readonly token: string,
    private readonly panelId: string,
    private readonly onEvent: (event: PanelEvent) => void,
    private readonly onStatus: (status: LiveStatus) => void,
  ) {
    this.connect();
  }

  private connect(): void {
    this.onStatus("connecting");
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/api/v1/ws`, [
      "panels.v1",
      `bearer.${this.token}`,
    ]);
    this.socket = socket;
    socket.onmessage = (message) => {
      const body = JSON.parse(String(message.data)) as Record<string, unknown>;
      if (body.type === "welcome") {
        const subscribe: Record<string, unknown> = { type: "subscribe", panel_id: this.panelId };
        if (this.lastId !== null) subscribe.last_event_id = this.lastId;
        socket.send(JSON.stringify(subscribe));
      } else if (body.type === "subscribed") {
        this.retry = 0;
        this.onStatus("live");
      } else if (body.type === "ping") {
        socket.send('{"type":"pong"}');
      } else if (body.type === "event") {
        const event = body as unknown as PanelEvent;
        this.lastId = event.id;
        this.onEvent(event);
      }
    };
    socket.onclose = (close) => {
      this.socket = null;
      if (this.closed) return;
      this.onStatus("offline");
      if (close.code === 4401) return; // the token is no longer valid: signing in again fixes it
      const delay = Math.min(30_000, 500 * 2 ** this.retry++);
      this.timer = window.setTimeout(() => this.connect(), delay);
    };
  }

  close(): void {
    this.closed = true;
    window.clearTimeout(this.timer);
    this.socket?.close(1000);
  }
}
