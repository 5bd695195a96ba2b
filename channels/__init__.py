"""Channel adapters: each turns raw input from one channel into `channels.base.InboundMessage`
and sends replies back through a `helpdesk.ports.ReplySender`."""
