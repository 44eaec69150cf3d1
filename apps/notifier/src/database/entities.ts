import { AlertEntity } from '../alerts/alert.entity';
import { ChannelEventEntity } from '../channel-events/channel-event.entity';
import { ChannelEntity } from '../channels/channel.entity';
import { IncidentEntity } from '../incidents/incident.entity';
import {
  RegionIncidentEntity,
  RegionSlotObservationEntity,
} from '../incidents/region-incident.entity';
import { MonitorAlertStateEntity } from '../monitors/monitor-alert-state.entity';

export const NOTIFIER_ENTITIES = [
  ChannelEntity,
  MonitorAlertStateEntity,
  IncidentEntity,
  AlertEntity,
  ChannelEventEntity,
  RegionIncidentEntity,
  RegionSlotObservationEntity,
];
